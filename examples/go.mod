module github.com/ats-run/selfattest/examples

go 1.26.0

require github.com/ats-run/selfattest v0.0.0

require golang.org/x/net v0.62.0 // indirect

replace github.com/ats-run/selfattest => ../
