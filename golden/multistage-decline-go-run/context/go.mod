module example.com/dev

go 1.26
