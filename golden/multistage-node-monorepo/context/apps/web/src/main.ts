import Fastify from "fastify";

const app = Fastify();
app.get("/", async () => ({ shop: "web" }));
app.listen({ port: 8080, host: "0.0.0.0" });
