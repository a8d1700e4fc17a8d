package main

func greeting() string { return "hello from GOPATH mode" }
