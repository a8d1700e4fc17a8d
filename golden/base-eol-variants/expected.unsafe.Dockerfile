FROM python:3.11-slim-trixie AS py
FROM node:22-trixie-slim AS web
FROM debian:bookworm-slim
FROM ruby:2.7
FROM eclipse-temurin:11-jre
