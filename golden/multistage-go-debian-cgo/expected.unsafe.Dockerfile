FROM ubuntu:24.04 AS build
RUN apt-get update && apt-get install -y golang-go gcc libc6-dev
WORKDIR /opt/notes
COPY . .
RUN go build -o notes .

# Runtime stage (dockerfix DF401): copy only the binary
FROM ubuntu:24.04
WORKDIR /opt/notes
COPY --from=build /opt/notes/notes /opt/notes/notes
CMD ./notes
