FROM ubuntu:latest

RUN apt-get update && apt-get install --no-install-recommends -y python3 python3-pip build-essential python3-dev && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt /app/
RUN pip3 install --no-cache-dir -r requirements.txt

COPY . /app

EXPOSE 5000

CMD ["python3", "app.py"]
