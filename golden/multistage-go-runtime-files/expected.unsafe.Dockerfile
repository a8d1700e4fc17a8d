FROM golang:1.26 AS build
WORKDIR /srv
COPY go.mod ./
COPY . .
COPY deploy/app.toml /etc/guestbook/app.toml
RUN CGO_ENABLED=0 go build -o guestbook .

# Runtime stage (dockerfix DF401): copy the binary and the files it reads
FROM gcr.io/distroless/static-debian13
WORKDIR /srv
COPY --from=build /srv/guestbook /srv/guestbook
COPY --from=build /etc/guestbook/app.toml /etc/guestbook/app.toml
COPY --from=build /srv/static /srv/static
COPY --from=build /srv/templates /srv/templates
EXPOSE 8080
CMD ["./guestbook"]
