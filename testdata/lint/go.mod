module github.com/postlive/postlive

go 1.25
