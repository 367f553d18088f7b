// Package htmlreport renders a test report as one self-contained HTML page
// (inline CSS and SVG, no scripts, no external assets): sections of items,
// each with its status, failures and explanation, and its HTTP exchanges as
// a sequence diagram with the full requests and responses below it.
//
// It knows nothing of where the report comes from: `harness conformance
// --html` maps a conformance report into it, and scenario runs can map their
// results the same way.
package htmlreport

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// Report is one page.
type Report struct {
	Title    string
	Subtitle string // what was tested, where
	Passed   bool
	Summary  string // "41 passed, 1 failed"
	Notes    []string
	Sections []Section
	Footer   []string // e.g. what was cleaned up
}

// Section is a group of items (a profile, a scenario).
type Section struct {
	Title string
	Notes []string
	Items []Item
}

// Status of an item; it picks the item's colour and mark.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
	Warning Status = "warning"
)

// Item is one check or step.
type Item struct {
	ID       string
	Title    string
	Status   Status
	Source   string // where the item comes from
	Why      string // what is expected and why
	Reason   string // why it was skipped
	Failures []Failure
	Notes    []string
	// Exchanges are drawn as a sequence diagram; Open shows them unfolded
	// (e.g. only for failures).
	Exchanges []Exchange
	Open      bool
	Duration  time.Duration
}

// Failure is one unmet expectation.
type Failure struct{ What, Expected, Found string }

// Exchange is one request from From to To and its answer.
type Exchange struct {
	From, To string
	Request  string // summary line, e.g. "POST /Users"
	Response string // summary line, e.g. "201" or "no response"
	// RequestText and ResponseText are the full messages.
	RequestText, ResponseText string
	Failed                    bool // drawn in red: an error status or no answer
}

// Write renders r.
func Write(w io.Writer, r Report) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"diagram": diagram,
	"mark": func(s Status) string {
		return map[Status]string{Passed: "✓", Failed: "✗", Skipped: "–", Warning: "!"}[s]
	},
	"ms":  func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
	"add": func(a, b int) int { return a + b },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{padding:20px 28px;color:#fff;background:#3b4252}header.passed{background:#2f7d4f}header.failed{background:#b03a3a}
header h1{margin:0 0 4px;font-size:20px}header p{margin:2px 0;opacity:.9}
main{padding:12px 28px 40px;max-width:1200px}
section{margin:22px 0}section>h2{font-size:16px;margin:0 0 8px}
.note{color:#555;margin:2px 0}
details.item{background:#fff;border:1px solid #dde1e7;border-left:5px solid #9aa3ae;border-radius:4px;margin:6px 0}
details.item>summary{cursor:pointer;padding:7px 10px;list-style:none}details.item>summary::-webkit-details-marker{display:none}
.passed{border-left-color:#2f9e5b!important}.failed{border-left-color:#c83c3c!important}.warning{border-left-color:#d69a1c!important}
.mark{display:inline-block;width:1.3em;font-weight:bold}.passed .mark{color:#2f9e5b}.failed .mark{color:#c83c3c}.warning .mark{color:#d69a1c}.skipped .mark{color:#888}
.id{font-family:ui-monospace,Menlo,Consolas,monospace;color:#555;margin-right:6px}.dur{float:right;color:#888;font-size:12px}
.body{padding:0 14px 12px}.src{color:#555;font-size:13px}
table.fail{border-collapse:collapse;margin:8px 0;width:100%}table.fail td,table.fail th{border:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
table.fail th{background:#fbeaea}td code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.why{background:#eef3fb;border-radius:4px;padding:8px 10px;margin:8px 0}
svg{display:block;margin:10px 0;background:#fbfbfc;border:1px solid #e6e8ec;border-radius:4px;max-width:100%;height:auto}
ol.ex{padding-left:22px}ol.ex>li{margin:4px 0}.ex summary{cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.ex .bad{color:#c83c3c}
pre{background:#272b33;color:#e7e9ee;padding:8px 10px;border-radius:4px;overflow:auto;white-space:pre-wrap;word-break:break-all;max-height:420px}
footer{color:#555;padding:0 28px 28px}
</style></head>
<body>
<header class="{{if .Passed}}passed{{else}}failed{{end}}"><h1>{{.Title}}</h1>{{if .Subtitle}}<p>{{.Subtitle}}</p>{{end}}<p><strong>{{if .Passed}}PASSED{{else}}FAILED{{end}}</strong> · {{.Summary}}</p></header>
<main>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{range $s, $sec := .Sections}}<section><h2>{{.Title}}</h2>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{range $i, $it := .Items}}<details class="item {{.Status}}"{{if .Open}} open{{end}}>
<summary><span class="mark">{{mark .Status}}</span><span class="id">{{.ID}}</span>{{.Title}}{{if .Duration}}<span class="dur">{{ms .Duration}}</span>{{end}}</summary>
<div class="body">
{{if .Source}}<p class="src">From: {{.Source}}</p>{{end}}
{{if .Reason}}<p>Skipped: {{.Reason}}</p>{{end}}
{{if .Failures}}<table class="fail"><tr><th>assertion</th><th>expected</th><th>found</th></tr>
{{range .Failures}}<tr><td><code>{{.What}}</code></td><td><code>{{.Expected}}</code></td><td><code>{{.Found}}</code></td></tr>{{end}}</table>{{end}}
{{if .Why}}<div class="why">{{.Why}}</div>{{end}}
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{if .Exchanges}}{{diagram .Exchanges (printf "s%di%d" $s $i)}}
<ol class="ex">{{range $k, $e := .Exchanges}}<li id="s{{$s}}i{{$i}}x{{add $k 1}}"><details><summary{{if .Failed}} class="bad"{{end}}>{{.From}} → {{.To}}: {{.Request}} → {{.Response}}</summary>
<pre>{{.RequestText}}</pre><pre>{{.ResponseText}}</pre></details></li>{{end}}</ol>{{end}}
</div></details>
{{end}}</section>
{{end}}
</main>
{{if .Footer}}<footer>{{range .Footer}}<p>{{.}}</p>{{end}}</footer>{{end}}
</body></html>
`))

// diagram draws the exchanges as an SVG sequence diagram: one lifeline per
// participant, in order of appearance, a solid arrow per request and a
// dashed one per answer, each numbered and linked to its full text.
func diagram(exs []Exchange, anchor string) template.HTML {
	var parts []string
	col := map[string]int{}
	for _, e := range exs {
		for _, p := range []string{e.From, e.To} {
			if _, ok := col[p]; !ok {
				col[p] = len(parts)
				parts = append(parts, p)
			}
		}
	}
	const colW, top, rowH = 230, 46, 46
	width := colW * len(parts)
	height := top + rowH*len(exs) + 16
	x := func(p string) int { return colW/2 + col[p]*colW }
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui,sans-serif" font-size="12">`, width, height, width, height)
	b.WriteString(`<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#4a5260"/></marker>` +
		`<marker id="r" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#c83c3c"/></marker></defs>`)
	for _, p := range parts {
		cx := x(p)
		fmt.Fprintf(&b, `<line x1="%d" y1="30" x2="%d" y2="%d" stroke="#c5cad3" stroke-dasharray="3,3"/>`, cx, cx, height-4)
		fmt.Fprintf(&b, `<rect x="%d" y="4" width="%d" height="24" rx="4" fill="#3b4252"/><text x="%d" y="20" text-anchor="middle" fill="#fff">%s</text>`,
			cx-colW/2+12, colW-24, cx, esc(p))
	}
	for k, e := range exs {
		y := top + k*rowH
		x1, x2 := x(e.From), x(e.To)
		colour, marker := "#4a5260", "a"
		if e.Failed {
			colour, marker = "#c83c3c", "r"
		}
		mid, label := (x1+x2)/2, clip(fmt.Sprintf("[%d] %s", k+1, e.Request), 44)
		if x1 == x2 { // a participant calling itself: a small loop
			x2 = x1 + 40
		}
		fmt.Fprintf(&b, `<a href="#%sx%d"><text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text></a>`, anchor, k+1, mid, y-4, colour, esc(label))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.4" marker-end="url(#%s)"/>`, x1, y, x2, y, colour, marker)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.2" stroke-dasharray="5,3" marker-end="url(#%s)"/>`, x2, y+16, x1, y+16, colour, marker)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="11">%s</text>`, mid, y+13, colour, esc(clip(e.Response, 40)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above is escaped
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
