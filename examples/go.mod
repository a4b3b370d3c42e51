module github.com/ats-run/selfattest/examples

go 1.26

require github.com/ats-run/selfattest v0.0.0

replace github.com/ats-run/selfattest => ../
