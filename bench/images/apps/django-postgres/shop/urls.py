from django.urls import path

from catalog import views

urlpatterns = [path("", views.products), path("health", views.health)]
