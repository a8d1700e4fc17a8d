"""A small Flask app whose Dockerfile installs its dependencies after copying everything."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(status="ok")
