FROM postgres:16
COPY seed.tar.gz /docker-entrypoint-initdb.d/
COPY fixtures.json.gz /fixtures/
