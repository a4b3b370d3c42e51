package fetch

import (
	"errors"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, u := range []string{"http://example.com/", "ftp://example.com/", "https://u:p@example.com/", "example.com/x", "https://%zz"} {
		var e *Error
		if err := CheckURL(u, false); !errors.As(err, &e) || e.Kind != KindBadURL || !e.BadInput() {
			t.Errorf("CheckURL(%q) = %v; want a KindBadURL *Error", u, err)
		}
	}
	for _, u := range []string{"https://example.com/", "http://127.0.0.1:8080/", "http://localhost/"} {
		if err := CheckURL(u, false); err != nil {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
	if err := CheckURL("http://example.com/", true); err != nil {
		t.Errorf("CheckURL(http, insecure) = %v", err)
	}
}
