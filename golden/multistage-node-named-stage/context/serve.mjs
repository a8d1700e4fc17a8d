import http from "node:http";
import sirv from "sirv";

http.createServer(sirv("dist")).listen(8080);
