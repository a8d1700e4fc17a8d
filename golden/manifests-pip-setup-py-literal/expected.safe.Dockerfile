FROM python:3.12-slim
WORKDIR /usr/src/app
RUN python -m pip install 'requests>=2.31' beautifulsoup4
COPY . .
RUN python -m pip install .
CMD ["scrape"]
