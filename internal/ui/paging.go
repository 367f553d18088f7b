package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Paging. A console page never shows a whole directory: lists are cut
// into pages of PageSize rows (?page=N, 1-based), and a search box (?q=)
// narrows them first. A page number past the end shows the last page.

// DefaultPageSize is the rows a list shows unless it says otherwise.
const DefaultPageSize = 50

// Pager is one page of a list of Total rows.
type Pager struct {
	Number int // 1-based
	Size   int
	Total  int
	Start  int // index of the first row shown
	End    int // one past the last row shown
	base   url.URL
}

// Paging reads ?page= for a list of total rows, size rows a page. A page
// that is not a positive number is a Problem to show (a readable 400).
func Paging(r *http.Request, total, size int) (Pager, error) {
	if size <= 0 {
		size = DefaultPageSize
	}
	n := 1
	if s := strings.TrimSpace(r.URL.Query().Get("page")); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return Pager{}, Problem{Title: "No such page", Summary: fmt.Sprintf("Page %q is not a page number: use 1, 2, 3, …", s)}
		}
		n = v
	}
	last := max(1, (total+size-1)/size)
	n = min(n, last)
	p := Pager{Number: n, Size: size, Total: total, Start: (n - 1) * size, base: *r.URL}
	p.End = min(total, p.Start+size)
	return p, nil
}

// Slice is the part of a list on this page.
func Slice[T any](p Pager, all []T) []T {
	if p.Start >= len(all) {
		return nil
	}
	return all[p.Start:min(p.End, len(all))]
}

// Pages is the number of pages.
func (p Pager) Pages() int { return max(1, (p.Total+p.Size-1)/p.Size) }

// HasPrev and HasNext say whether there are pages either side.
func (p Pager) HasPrev() bool { return p.Number > 1 }
func (p Pager) HasNext() bool { return p.Number < p.Pages() }

// Prev, Next, First and Last are links to other pages, keeping the
// request's other query parameters (the search, the filters).
func (p Pager) Prev() string  { return p.link(p.Number - 1) }
func (p Pager) Next() string  { return p.link(p.Number + 1) }
func (p Pager) First() string { return p.link(1) }
func (p Pager) Last() string  { return p.link(p.Pages()) }

func (p Pager) link(n int) string {
	u := p.base
	q := u.Query()
	if n <= 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// Showing is "Showing 51–100 of 10,000".
func (p Pager) Showing() string {
	if p.Total == 0 {
		return "No results"
	}
	return fmt.Sprintf("Showing %s–%s of %s", thousands(p.Start+1), thousands(p.End), thousands(p.Total))
}

// Search is the trimmed ?q= of a list page.
func Search(r *http.Request) string { return strings.TrimSpace(r.URL.Query().Get("q")) }

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
