// An Express app without a lock file: `npm install` resolves the versions.
const express = require("express");

const app = express();
app.get("/", (req, res) => res.send("hello"));
app.listen(3000);
