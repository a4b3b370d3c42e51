package verify

import (
	"net/url"
	"strconv"
	"strings"
)

// The URL standard, in the part a page check needs: how a browser turns an
// attribute value into the URL it fetches. net/url parses RFC 3986, which
// differs where a page can exploit it (a backslash is a slash, tabs and
// newlines vanish, extra slashes before a host are skipped, %2e is a dot,
// "0x7f.1" is an IPv4 address), so those steps are made here before and
// after net/url. A reference this cannot resolve as a browser would
// resolves to "" and is reported, never passed.

const c0Space = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20"

// cleanRef strips leading and trailing C0 controls and spaces and removes
// every tab and newline, as the URL parser does first.
func cleanRef(raw string) string {
	s := strings.Trim(raw, c0Space)
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	return s
}

// refScheme returns the lower-cased scheme of a reference, "" for a
// relative one.
func refScheme(raw string) string {
	s := cleanRef(raw)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i])
		default:
			return ""
		}
	}
	return ""
}

// resolveURL resolves a reference as a browser does against an http(s)
// base, and returns "" for one that is empty, not http(s), or not
// resolvable here exactly as a browser would.
func resolveURL(base *url.URL, raw string) string {
	s := cleanRef(raw)
	if s == "" {
		return ""
	}
	scheme := refScheme(s)
	if scheme != "" && scheme != "http" && scheme != "https" {
		return ""
	}
	head, tail := s, ""
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		head, tail = s[:i], s[i:]
	}
	// Both http and https are special schemes: a backslash is a slash.
	head = strings.ReplaceAll(head, `\`, "/")
	if scheme != "" {
		rest := head[len(scheme)+1:]
		if scheme == strings.ToLower(base.Scheme) && !strings.HasPrefix(rest, "//") {
			head = rest // "https:x.js" is relative to an https base
		} else {
			head = scheme + "://" + strings.TrimLeft(rest, "/")
		}
	} else if strings.HasPrefix(head, "//") {
		head = "//" + strings.TrimLeft(head, "/")
	}
	u, err := base.Parse(head + tail)
	if err != nil || u.Opaque != "" || u.User != nil {
		// Chromium blocks subresources with credentials in the URL; none
		// is passed.
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	host, ok := browserHost(u.Hostname())
	if !ok {
		return ""
	}
	port := u.Port()
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if p, changed := removeEncodedDots(u.EscapedPath()); changed {
		pu, err := url.Parse(p)
		if err != nil {
			return ""
		}
		u.Path, u.RawPath = pu.Path, pu.RawPath
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// browserHost returns a host as a browser's URL parser leaves it:
// percent-decoded, lower-cased, with an IPv4 address in any of the forms
// the URL standard accepts ("0x7f.1", "2130706433") written as four
// decimals. A host it cannot treat exactly as a browser does (non-ASCII,
// which would need IDNA, or forbidden code points) is refused.
func browserHost(h string) (string, bool) {
	if h == "" {
		return "", false
	}
	if strings.Contains(h, ":") { // IPv6, already bracket-free
		return strings.ToLower(h), true
	}
	d, err := url.PathUnescape(h)
	if err != nil {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= 0x80 || c <= 0x20 || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return "", false
		}
	}
	d = strings.ToLower(d)
	if ip, isIP, ok := ipv4(d); isIP {
		return ip, ok
	}
	return d, true
}

// ipv4 applies the URL standard's IPv4 parser. isIP reports whether the
// host ends in a number (and so must be an address); ok whether it is a
// valid one.
func ipv4(h string) (addr string, isIP, ok bool) {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if _, ok := ipv4Number(last); !ok {
		// Only a last label of digits (or 0x-hex) makes an address.
		allDigits := last != ""
		for _, c := range last {
			if c < '0' || c > '9' {
				allDigits = false
			}
		}
		if !allDigits && !(strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "") {
			return "", false, false
		}
		return "", true, false
	}
	if len(parts) > 4 {
		return "", true, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return "", true, false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", true, false
		}
	}
	lastN := nums[len(nums)-1]
	if lastN >= 1<<(8*(5-len(nums))) {
		return "", true, false
	}
	v := lastN
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return strconv.FormatUint(v>>24, 10) + "." + strconv.FormatUint(v>>16&255, 10) + "." +
		strconv.FormatUint(v>>8&255, 10) + "." + strconv.FormatUint(v&255, 10), true, true
}

func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil || n > 1<<32 {
		return 0, false
	}
	return n, true
}

// removeEncodedDots resolves the path segments a browser reads as "." or
// ".." although they are percent-encoded ("%2e", ".%2E"), which net/url
// leaves alone.
func removeEncodedDots(p string) (string, bool) {
	lower := strings.ToLower(p)
	if !strings.Contains(lower, "%2e") {
		return p, false
	}
	segs := strings.Split(p, "/")
	var out []string
	for i, seg := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(seg) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	res := strings.Join(out, "/")
	if !strings.HasPrefix(res, "/") {
		res = "/" + res
	}
	return res, true
}
