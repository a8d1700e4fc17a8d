FROM golang:1.26 AS build
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/report .

# Runtime stage (dockerfix DF401): copy the binary and the application files
FROM gcr.io/distroless/static-debian13
WORKDIR /app
COPY --from=build /usr/local/bin/report /usr/local/bin/report
COPY --from=build /app /app
CMD ["report"]
