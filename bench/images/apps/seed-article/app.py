"""The seed article's service: one route, Flask's development server."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "Hello from the seed article's app"


@app.route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
