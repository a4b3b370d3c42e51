module github.com/ats-run/selfattest

go 1.26
