FROM ubuntu:24.04

RUN apt-get update && apt-get install -y python3 python3-pip

WORKDIR /app

# Python dependencies
COPY requirements.txt /app/
RUN pip3 install --break-system-packages -r requirements.txt

COPY . /app

EXPOSE 5000

CMD ["python3", "app.py"]
