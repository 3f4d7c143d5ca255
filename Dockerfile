# Builds the three commands of the service into one small image; the
# compose file picks the command per service.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go, so the binaries need no C library.
RUN CGO_ENABLED=0 go build -trimpath -o /out/ ./worker ./starter ./cmd/billing-emulator

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /app/
WORKDIR /data
USER nonroot
ENTRYPOINT []
