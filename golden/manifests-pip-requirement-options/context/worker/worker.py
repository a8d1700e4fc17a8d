import celery
