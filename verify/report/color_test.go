package report

import (
	"os"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestColorFor(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	// A character device other than a terminal: the standard library
	// cannot tell them apart, so it stands in for a terminal here.
	dev, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if fi, err := dev.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		dev = nil
	}
	closed, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()

	tests := []struct {
		name   string
		f      *os.File
		getenv func(string) string
		want   bool
	}{
		{"pipe", pw, env(), false},
		{"regular file", file, env(), false},
		{"closed file", closed, env(), false},
		{"nil file", nil, env(), false},
		{"pipe with TERM", pw, env("TERM", "xterm-256color"), false},
		{"char device", dev, env("TERM", "xterm-256color"), true},
		{"char device, TERM unset", dev, env(), true},
		{"char device, NO_COLOR set", dev, env("NO_COLOR", "1"), false},
		{"char device, NO_COLOR=0 still disables", dev, env("NO_COLOR", "0"), false},
		{"char device, NO_COLOR empty", dev, env("NO_COLOR", "", "TERM", "xterm"), true},
		{"char device, dumb terminal", dev, env("TERM", "dumb"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.f == nil && tt.name != "nil file" {
				t.Skip("no character device to test with")
			}
			if got := ColorFor(tt.f, tt.getenv); got != tt.want {
				t.Fatalf("ColorFor = %v, want %v", got, tt.want)
			}
		})
	}
}
