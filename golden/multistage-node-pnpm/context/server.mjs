import http from "node:http";
import sirv from "sirv";

const assets = sirv("dist", { single: true });
http.createServer(assets).listen(4173);
