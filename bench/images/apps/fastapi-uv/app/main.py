"""A FastAPI service: notes with validation by pydantic."""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI(title="notes")
NOTES: dict[int, "Note"] = {}


class Note(BaseModel):
    title: str
    body: str = ""


@app.post("/notes")
def create(note: Note) -> dict[str, int]:
    note_id = len(NOTES) + 1
    NOTES[note_id] = note
    return {"id": note_id}


@app.get("/notes/{note_id}")
def read(note_id: int) -> Note:
    if note_id not in NOTES:
        raise HTTPException(status_code=404, detail="no such note")
    return NOTES[note_id]
