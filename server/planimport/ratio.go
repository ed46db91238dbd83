package planimport

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Ratio is a parsed 抽查比例 (R2); the draw needs the numbers, while the office and auditors still read the text as
// printed, so both are kept.
type Ratio struct {
	Text      string     `json:"text"`                // the original text, kept verbatim
	Percent   float64    `json:"percent"`             // base percentage, e.g. 10 for "10%"
	Floor     bool       `json:"floor"`               // "以上": at least Percent
	Overrides []Override `json:"overrides,omitempty"` // sub-population rules applied first
}

// Override is a sub-population rule inside a ratio, such as "生产企业100%抽查" in "10%（生产企业100%抽查）": the draw
// applies it before the base percentage (R4).
type Override struct {
	Population string  `json:"population"` // e.g. 生产企业, 批发商
	Percent    float64 `json:"percent"`    // e.g. 100
}

var (
	// ratioRE reads a normalised ratio: optional "不低于"/"不少于" (a floor written in front), the base percentage,
	// optional "以上"/"及以上" (a floor written behind), optional parenthesised overrides.
	ratioRE = regexp.MustCompile(`^(不低于|不少于)?(\d{1,3}(?:\.\d{1,4})?)%(及以上|以上)?(?:\((.*)\))?$`)
	// overrideRE reads one override: a population, its percentage, an optional verb.
	overrideRE = regexp.MustCompile(`^(.*?)(\d{1,3}(?:\.\d{1,4})?)%(?:抽查|抽检|检查)?$`)
)

// ParseRatio reads a 抽查比例 cell such as "10%", "20%以上" or "10%（生产企业100%抽查）"; full-width ％, （）, digits
// and spaces are tolerated because the table is typed by hand in Chinese input methods.
func ParseRatio(s string) (Ratio, error) {
	bad := func(why string) (Ratio, error) {
		return Ratio{}, fmt.Errorf("抽查比例“%s”有误：%s；应为百分比，如“10%%”“20%%以上”或“10%%（生产企业100%%抽查）”", s, why)
	}
	norm := removeSpace(toHalfWidth(s))
	if norm == "" {
		return bad("为空")
	}
	m := ratioRE.FindStringSubmatch(norm)
	if m == nil {
		return bad("无法识别")
	}
	p, err := percent(m[2])
	if err != nil {
		return bad(err.Error())
	}
	r := Ratio{Text: s, Percent: p, Floor: m[1] != "" || m[3] != ""}
	if m[4] != "" || strings.HasSuffix(norm, "()") {
		for _, part := range splitAny(m[4], ";,、") {
			om := overrideRE.FindStringSubmatch(part)
			if om == nil || om[1] == "" || strings.ContainsAny(om[1], "0123456789%") {
				return bad(fmt.Sprintf("无法识别括号中的规则“%s”", part))
			}
			op, err := percent(om[2])
			if err != nil {
				return bad(fmt.Sprintf("规则“%s”：%v", part, err))
			}
			r.Overrides = append(r.Overrides, Override{Population: om[1], Percent: op})
		}
		if len(r.Overrides) == 0 {
			return bad("括号内为空")
		}
	}
	return r, nil
}

// percent reads a percentage in (0, 100]: a plan that draws nobody, or more than everybody, is a typing error.
func percent(s string) (float64, error) {
	p, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("无法识别数字“%s”", s)
	}
	if p <= 0 || p > 100 {
		return 0, fmt.Errorf("%s%% 超出 0–100%% 的范围", s)
	}
	return p, nil
}
