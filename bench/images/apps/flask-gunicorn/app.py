"""A small Flask service: a todo list kept in memory, rendered with Jinja."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for

app = Flask(__name__)
TODOS: list[dict[str, object]] = []


@app.get("/")
def index() -> str:
    return render_template("index.html", todos=TODOS)


@app.post("/todos")
def add() -> object:
    title = (request.form.get("title") or "").strip()
    if title:
        TODOS.append({"id": len(TODOS) + 1, "title": title, "done": False})
    return redirect(url_for("index"))


@app.get("/api/todos")
def api() -> object:
    return jsonify(TODOS)


@app.get("/health")
def health() -> object:
    return {"status": "ok"}
