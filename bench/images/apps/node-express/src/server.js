"use strict";
// A small inventory API: items kept in memory, request logging with morgan.
const express = require("express");
const morgan = require("morgan");

const app = express();
app.use(express.json());
app.use(morgan("tiny"));

const items = new Map();

app.get("/health", (req, res) => res.json({ status: "ok" }));
app.get("/items", (req, res) => res.json([...items.values()]));
app.post("/items", (req, res) => {
  const id = items.size + 1;
  const item = { id, name: String(req.body.name || ""), count: Number(req.body.count || 0) };
  items.set(id, item);
  res.status(201).json(item);
});

const port = Number(process.env.PORT || 3000);
app.listen(port, () => console.log(`listening on ${port}`));
