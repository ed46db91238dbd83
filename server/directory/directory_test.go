package directory_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"zsc/schema"
	"zsc/server/directory"
	"zsc/server/synth"
)

var regions = map[string]bool{
	"621000": true, "621002": true, "621021": true, "621022": true, "621023": true,
	"621024": true, "621025": true, "621026": true, "621027": true,
}

// countyRegion accepts the eight counties: entities never belong to the city.
func countyRegion(r string) bool { return regions[r] && r != "621000" }

func anyRegion(r string) bool { return regions[r] }

func knownDept(d string) bool { return d == "scjg" || d == "wjw" || d == "xf" }

// code completes 17 characters into a valid USCC.
func code(t testing.TB, first17 string) string {
	t.Helper()
	c, err := schema.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func synthConfig(entities int) synth.Config {
	return synth.Config{
		Seed:          7,
		Entities:      entities,
		Regions:       []string{"621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027"},
		Tags:          []string{"全市宾馆旅店", "全市大中型餐饮服务企业", "全市饲料、农药、兽药、农膜、种子、农机生产经营企业等农资生产经营企业"},
		SubFlags:      map[string][]string{"全市饲料、农药、兽药、农膜、种子、农机生产经营企业等农资生产经营企业": {"生产企业", "批发商"}},
		Depts:         []string{"scjg", "wjw", "xf"},
		ConflictShare: 0.01,
	}
}

func TestGeneratedDirectoryRoundTrips(t *testing.T) {
	c := synthConfig(20000)
	t.Run("entities parse back to what was generated", func(t *testing.T) {
		var buf bytes.Buffer
		if err := synth.WriteEntitiesCSV(&buf, c); err != nil {
			t.Fatal(err)
		}
		got, err := parseEntities(&buf, countyRegion)
		if err != nil {
			t.Fatal(err)
		}
		var want []directory.Entity
		_ = synth.Entities(c, func(e directory.Entity) error { want = append(want, e); return nil })
		if len(got) != len(want) {
			t.Fatalf("parsed %d entities, generated %d", len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("entity %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
	t.Run("inspectors parse back to what was generated", func(t *testing.T) {
		c := c
		c.InspectorRegions = append([]string{"621000"}, c.Regions...)
		var buf bytes.Buffer
		if err := synth.WriteInspectorsCSV(&buf, c); err != nil {
			t.Fatal(err)
		}
		got, err := parseInspectors(&buf, knownDept, anyRegion)
		if err != nil {
			t.Fatal(err)
		}
		var want []directory.Inspector
		_ = synth.Inspectors(c, func(in directory.Inspector) error { want = append(want, in); return nil })
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("inspectors differ: %d parsed, %d generated", len(got), len(want))
		}
	})
	t.Run("conflicts parse back to what was generated", func(t *testing.T) {
		var buf bytes.Buffer
		if err := synth.WriteConflictsCSV(&buf, c); err != nil {
			t.Fatal(err)
		}
		got, err := directory.ParseConflicts(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var want []directory.Conflict
		_ = synth.Conflicts(c, func(cf directory.Conflict) error {
			cf.Row = len(want) + 2 // the file's row under its header
			want = append(want, cf)
			return nil
		})
		if len(want) < 100 || !reflect.DeepEqual(got, want) {
			t.Fatalf("conflicts differ: %d parsed, %d generated", len(got), len(want))
		}
	})
}

const entityHeader = "uscc,name,region,address,tags,risk,status,lat,lng,flags\n"

func TestParseEntitiesReportsEveryBadRow(t *testing.T) {
	good := code(t, "91621002MA71A0B2X")
	other := code(t, "92621026MA7000012")
	wrongRegion := code(t, "91621021MA71A0B2X")
	city := code(t, "91621000MA71A0B2X")
	bad := good[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", good[17])+1)%31])
	rows := []struct {
		line   string
		column string
		want   string
	}{
		{good + ",庆阳市陇华商贸有限公司,621002,西峰区北街街道长庆路1号,全市宾馆旅店,A,存续,35.7,107.6,", "", ""},
		{bad + ",甲,621002,,t,A,存续,,,", "uscc", "校验位（第 18 位）应为 " + good[17:]},
		{",乙,621002,,t,A,存续,,,", "uscc", "不能为空"},
		{"91621002MA71A0B2,丙,621002,,t,A,存续,,,", "uscc", "长度为 16 位"},
		{"91621002MA71I0B2X5,丁,621002,,t,A,存续,,,", "uscc", "第 13 位“I”不对"},
		{good + ",重复,621002,,t,A,存续,,,", "uscc", "重复：第 2 行已有"},
		{other + ",,621026,,t,A,存续,,,", "name", "不能为空"},
		{wrongRegion + ",戊,621002,,t,B,存续,,,", "region", "621002 与统一社会信用代码"},
		{city + ",己,621000,,t,B,存续,,,", "region", "未知的区县代码 621000"},
		{code(t, "91621022MA71A0B2X") + ",庚,,,t,B,存续,,,", "region", "不能为空"},
		{code(t, "91621023MA71A0B2X") + ",辛,621023,,t,E,存续,,,", "risk", "“E”不是信用风险分类"},
		{code(t, "91621024MA71A0B2X") + ",壬,621024,,t,,存续,,,", "risk", "不能为空"},
		{code(t, "91621025MA71A0B2X") + ",癸,621025,,t,A,营业,,,", "status", "“营业”不是登记状态"},
		{code(t, "91621026MA71A0B2X") + ",子,621026,,t,A,存续,abc,107.6,", "lat", "“abc”不是十进制度数"},
		{code(t, "91621027MA71A0B2X") + ",丑,621027,,t,A,存续,35.7,,", "lng", "填了纬度却没有经度"},
		{code(t, "91621002MA71A0B3X") + ",寅,621002,,t,A,存续,,107.6,", "lat", "填了经度却没有纬度"},
		{code(t, "91621002MA71A0B4X") + ",卯,621002,,t,A,存续,95,107.6,", "lat", "超出中国范围"},
		{code(t, "91621002MA71A0B5X") + ",辰,621002,,t,A,存续,NaN,107.6,", "lat", "超出中国范围"},
		{code(t, "91621002MA71A0B6X") + ",巳,621002,,t,A,存续,107.6,35.7,", "lat", "似乎填反了"},
		{code(t, "91621002MA71A0B7X") + ",午,621002,,t,A,存续", "", "这一行有 7 个单元格，表头有 10 个"},
	}
	var in strings.Builder
	in.WriteString(entityHeader)
	for _, r := range rows {
		in.WriteString(r.line + "\n")
	}
	got, err := directory.ParseEntities(strings.NewReader(in.String()), countyRegion)
	if got != nil {
		t.Errorf("got %d entities despite errors, want none", len(got))
	}
	var errs directory.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want directory.Errors", err)
	}
	for i, r := range rows {
		row := i + 2
		if r.want == "" {
			for _, e := range errs {
				if e.Row == row {
					t.Errorf("good row %d reported: %v", row, e)
				}
			}
			continue
		}
		t.Run(fmt.Sprintf("row %d reports %s: %s", row, r.column, r.want), func(t *testing.T) {
			for _, e := range errs {
				if e.Row == row && e.Column == r.column && strings.Contains(e.Message, r.want) {
					return
				}
			}
			t.Errorf("no error on row %d, column %q saying %q; got %v", row, r.column, r.want, rowErrors(errs, row))
		})
	}
	t.Run("a row with several problems reports each", func(t *testing.T) {
		_, err := directory.ParseEntities(strings.NewReader(entityHeader+bad+",,9,,t,Q,x,1,1,\n"), countyRegion)
		var errs directory.Errors
		errors.As(err, &errs)
		cols := map[string]bool{}
		for _, e := range errs {
			cols[e.Column] = true
		}
		for _, c := range []string{"uscc", "name", "region", "risk", "status", "lat", "lng"} {
			if !cols[c] {
				t.Errorf("no error for %s in %v", c, errs)
			}
		}
	})
}

func rowErrors(errs directory.Errors, row int) directory.Errors {
	var out directory.Errors
	for _, e := range errs {
		if e.Row == row {
			out = append(out, e)
		}
	}
	return out
}

func TestParseEntitiesHeader(t *testing.T) {
	for _, tc := range []struct {
		name, header, column, want string
	}{
		{"names a missing required column", "uscc,name,region,address,tags,status\n", "risk", "缺少这一列"},
		{"names an unknown column", entityHeader[:len(entityHeader)-1] + ",flag\n", "flag", "未知的列"},
		{"names a repeated column", "uscc,name,region,tags,risk,status,uscc\n", "uscc", "这一列出现了两次"},
		{"rejects an empty file", "", "", "文件是空的"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := directory.ParseEntities(strings.NewReader(tc.header), countyRegion)
			var errs directory.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("err = %v", err)
			}
			for _, e := range errs {
				if e.Column == tc.column && strings.Contains(e.Message, tc.want) {
					if tc.header != "" && e.Row != 1 {
						t.Errorf("row %d, want 1", e.Row)
					}
					return
				}
			}
			t.Fatalf("got %v, want %s: %s", errs, tc.column, tc.want)
		})
	}
}

func TestParseEntitiesTolerates(t *testing.T) {
	c1, c2 := code(t, "91621002MA71A0B2X"), code(t, "92621026MA7000012")
	want := []directory.Entity{
		{USCC: c1, Name: "庆阳市陇华商贸有限公司", Region: "621002", Address: "西峰区北街街道长庆路1号", Tags: []string{"全市宾馆旅店", "全市大中型餐饮服务企业"}, Risk: "A", Status: "存续", Flags: []string{"生产企业"}},
		{USCC: c2, Name: "宁县陇乐饭店", Region: "621026", Tags: []string{"全市大中型餐饮服务企业"}, Risk: "C", Status: "吊销"},
	}
	lat, lng := 35.7, 107.6
	want[0].Lat, want[0].Lng = &lat, &lng
	for _, tc := range []struct{ name, in string }{
		{"plain", entityHeader +
			c1 + ",庆阳市陇华商贸有限公司,621002,西峰区北街街道长庆路1号,全市宾馆旅店|全市大中型餐饮服务企业,A,存续,35.7,107.6,生产企业\n" +
			c2 + ",宁县陇乐饭店,621026,,全市大中型餐饮服务企业,C,吊销,,,\n"},
		{"a BOM, CRLF, spaces, quotes, blank rows and trailing empty columns", "\ufeff uscc , name,region,address,tags,risk,status,lat,lng,flags,,\r\n" +
			" " + c1 + " ,\"庆阳市陇华商贸有限公司\",621002 ,西峰区北街街道长庆路1号, 全市宾馆旅店 ｜全市大中型餐饮服务企业|,a,存续, 35.7,107.6 ,生产企业,,\r\n" +
			",,,,,,,,,,,\r\n\r\n" +
			c2 + ",宁县陇乐饭店　,621026,,全市大中型餐饮服务企业|全市大中型餐饮服务企业,C,吊销，未注销,,,,,\r\n"},
		{"Chinese headers in another order", "名称,统一社会信用代码,区划代码,检查对象,信用风险分类,登记状态,纬度,经度,子类,住所\n" +
			"庆阳市陇华商贸有限公司," + c1 + ",621002,全市宾馆旅店|全市大中型餐饮服务企业,A,在营,35.7,107.6,生产企业,西峰区北街街道长庆路1号\n" +
			"宁县陇乐饭店," + c2 + ",621026,全市大中型餐饮服务企业,C,吊销,,,,\n"},
		{"without the optional columns", "uscc,name,region,tags,risk,status,address,lat,lng,flags\n" +
			c1 + ",庆阳市陇华商贸有限公司,621002,全市宾馆旅店|全市大中型餐饮服务企业,A,存续,西峰区北街街道长庆路1号,35.7,107.6,生产企业\n" +
			c2 + ",宁县陇乐饭店,621026,全市大中型餐饮服务企业,C,吊销,,,,\n"},
	} {
		t.Run("reads "+tc.name, func(t *testing.T) {
			got, err := parseEntities(strings.NewReader(tc.in), countyRegion)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("reads a file of only a header as no entities", func(t *testing.T) {
		got, err := directory.ParseEntities(strings.NewReader(entityHeader), nil)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

func TestParseEntitiesLimits(t *testing.T) {
	t.Run("rejects input over the size cap", func(t *testing.T) {
		defer directory.SetMaxSize(1000)()
		in := entityHeader + strings.Repeat(",,,,,,,,,\n", 100)
		if _, err := directory.ParseEntities(strings.NewReader(in), nil); !errors.Is(err, directory.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if schema.ErrorCode(directory.ErrTooLarge) != schema.ETOOLARGE {
			t.Fatal("ErrTooLarge is not a too_large error")
		}
	})
	t.Run("reads input of exactly the size cap", func(t *testing.T) {
		in := entityHeader + strings.Repeat(",,,,,,,,,\n", 100)
		defer directory.SetMaxSize(int64(len(in)))()
		if _, err := directory.ParseEntities(strings.NewReader(in), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("lists at most MaxErrors problems and counts the rest", func(t *testing.T) {
		in := entityHeader + strings.Repeat("x,n,621002,,t,A,存续,,,\n", directory.MaxErrors+500)
		_, err := directory.ParseEntities(strings.NewReader(in), nil)
		var errs directory.Errors
		errors.As(err, &errs)
		if len(errs) != directory.MaxErrors+1 || !strings.Contains(errs[len(errs)-1].Message, "另有 500 处") {
			t.Fatalf("%d errors, last %v", len(errs), errs[len(errs)-1])
		}
	})
}

func TestParseInspectors(t *testing.T) {
	header := "username,name,dept,region,cert_no,specialities,expert,on_duty\n"
	t.Run("reads 1/0, 是/否, true/false and empty flags", func(t *testing.T) {
		in := header +
			"scjg-621002-01,王伟,scjg,621002,62621002000000,食品安全|计量,0,1\n" +
			"scjg-621002-02,李娜,scjg,621002,,特种设备,是,否\n" +
			"wjw-621000-01,张磊,wjw,621000,62621000001000,,TRUE,\n"
		got, err := parseInspectors(strings.NewReader(in), knownDept, anyRegion)
		if err != nil {
			t.Fatal(err)
		}
		want := []directory.Inspector{
			{Username: "scjg-621002-01", Name: "王伟", Dept: "scjg", Region: "621002", CertNo: "62621002000000", Specialities: []string{"食品安全", "计量"}, OnDuty: true},
			{Username: "scjg-621002-02", Name: "李娜", Dept: "scjg", Region: "621002", Specialities: []string{"特种设备"}, Expert: true},
			{Username: "wjw-621000-01", Name: "张磊", Dept: "wjw", Region: "621000", CertNo: "62621000001000", Expert: true, OnDuty: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("reports every bad row", func(t *testing.T) {
		in := header +
			"a,王伟,scjg,621002,,,0,1\n" +
			"a,李娜,scjg,621002,,,0,1\n" +
			",张磊,fgw,629999,6262 1,,maybe,2\n" +
			"b c,,,,,,,\n"
		_, err := directory.ParseInspectors(strings.NewReader(in), knownDept, anyRegion)
		var errs directory.Errors
		errors.As(err, &errs)
		want := []directory.RowError{
			{Row: 3, Column: "username", Message: "a 重复：第 2 行已有"},
			{Row: 4, Column: "username", Message: "不能为空"},
			{Row: 4, Column: "dept", Message: "未知的部门代码 fgw"},
			{Row: 4, Column: "region", Message: "未知的区划代码 629999"},
			{Row: 4, Column: "cert_no", Message: "“6262 1”不是执法证号（不能含空格，最长 40 个字符）"},
			{Row: 4, Column: "expert", Message: "“maybe”应为 1/0、是/否 或 true/false"},
			{Row: 4, Column: "on_duty", Message: "“2”应为 1/0、是/否 或 true/false"},
			{Row: 5, Column: "username", Message: "“b c”含有空格"},
			{Row: 5, Column: "name", Message: "不能为空"},
			{Row: 5, Column: "dept", Message: "不能为空"},
			{Row: 5, Column: "region", Message: "不能为空"},
		}
		if !reflect.DeepEqual([]directory.RowError(errs), want) {
			t.Fatalf("got\n%v\nwant\n%v", errs, directory.Errors(want))
		}
	})
	t.Run("names a missing column", func(t *testing.T) {
		_, err := directory.ParseInspectors(strings.NewReader("username,name,dept,region\n"), nil, nil)
		if err == nil || !strings.Contains(err.Error(), "cert_no: 缺少这一列") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseConflicts(t *testing.T) {
	c := code(t, "91621002MA71A0B2X")
	in := "inspector,uscc,reason\n" +
		"scjg-621002-01," + c + ",亲属关系\n" +
		"scjg-621002-01," + c + ",曾任职\n" +
		"," + c[:17] + "0,\n"
	_, err := directory.ParseConflicts(strings.NewReader(in))
	var errs directory.Errors
	errors.As(err, &errs)
	if len(errs) != 4 || errs[0].Row != 3 || !strings.Contains(errs[0].Message, "第 2 行已有") ||
		errs[1].Column != "inspector" || errs[2].Column != "uscc" || errs[3].Column != "reason" {
		t.Fatalf("got %v", errs)
	}
	// A blank line is skipped and the row still names its line in the file.
	got, err := directory.ParseConflicts(strings.NewReader("\ufeffinspector,uscc,reason\r\n\r\nscjg-621002-01, " + c + " ,利害关系\r\n"))
	if err != nil || len(got) != 1 || got[0] != (directory.Conflict{Inspector: "scjg-621002-01", USCC: c, Reason: "利害关系", Row: 3}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestRecordIsTheInverseOfParse(t *testing.T) {
	lat, lng := 35.123456, 107.654321
	e := directory.Entity{USCC: code(t, "91621002MA71A0B2X"), Name: "n", Region: "621002", Tags: []string{"a", "b"}, Risk: "D", Status: "迁出", Lat: &lat, Lng: &lng}
	var b bytes.Buffer
	b.WriteString(entityHeader)
	b.WriteString(strings.Join(e.Record(), ",") + "\n")
	got, err := parseEntities(&b, nil)
	if err != nil || !reflect.DeepEqual(got, []directory.Entity{e}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func FuzzParseEntities(f *testing.F) {
	var seed bytes.Buffer
	_ = synth.WriteEntitiesCSV(&seed, synthConfig(20))
	f.Add(seed.Bytes())
	f.Add([]byte(entityHeader + "\"a,b\",\"c\"\"d\",621002,,,A,存续,1e400,-0,|｜|\n"))
	f.Add([]byte("\ufeffuscc,name\r\n\"unterminated\n"))
	f.Add([]byte(entityHeader + ",,,,,,,,,\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseEntities(bytes.NewReader(data), countyRegion)
		if err != nil {
			var errs directory.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || got != nil {
				t.Fatalf("err %v (%T) with %d entities", err, err, len(got))
			}
			for _, e := range errs {
				if e.Message == "" || e.Row < 0 {
					t.Fatalf("bad row error %+v", e)
				}
			}
			return
		}
		// Whatever is accepted is valid, and writes out to the same entities.
		var out bytes.Buffer
		out.WriteString(entityHeader)
		for _, e := range got {
			if schema.ValidUSCC(e.USCC) != nil || schema.USCCRegion(e.USCC) != e.Region || !countyRegion(e.Region) {
				t.Fatalf("accepted %+v", e)
			}
			rec := e.Record()
			for i := range rec {
				if strings.ContainsAny(rec[i], ",\"\r\n") {
					rec[i] = `"` + strings.ReplaceAll(rec[i], `"`, `""`) + `"`
				}
			}
			out.WriteString(strings.Join(rec, ",") + "\n")
		}
		again, err := parseEntities(&out, countyRegion)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("written back and parsed: %v\n%+v\n%+v", err, again, got)
		}
	})
}

func TestLongListsAreDeduplicatedInLinearTime(t *testing.T) {
	var tags strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&tags, "t%d|t%d|", i, i)
	}
	in := entityHeader + code(t, "91621002MA71A0B2X") + ",n,621002,," + tags.String() + ",A,存续,,,\n"
	got, err := directory.ParseEntities(strings.NewReader(in), nil)
	if err != nil || len(got[0].Tags) != 200000 || got[0].Tags[199999] != "t199999" {
		t.Fatalf("err %v", err)
	}
}

func BenchmarkParseEntities(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.WriteEntitiesCSV(&buf, synthConfig(100000)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := directory.ParseEntities(bytes.NewReader(data), countyRegion); err != nil {
			b.Fatal(err)
		}
	}
}

func TestREADMEExamplesParse(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) != 3 {
		t.Fatalf("%d examples, want 3", len(blocks))
	}
	for _, b := range blocks {
		in := b[1]
		var n int
		var err error
		switch {
		case strings.HasPrefix(in, "uscc,"):
			var es []directory.Entity
			es, err = directory.ParseEntities(strings.NewReader(in), countyRegion)
			n = len(es)
		case strings.HasPrefix(in, "username,"):
			var ins []directory.Inspector
			ins, err = directory.ParseInspectors(strings.NewReader(in), knownDept, anyRegion)
			n = len(ins)
		case strings.HasPrefix(in, "inspector,"):
			var cs []directory.Conflict
			cs, err = directory.ParseConflicts(strings.NewReader(in))
			n = len(cs)
		}
		if err != nil || n == 0 {
			t.Errorf("example %q: %d rows, %v", in, n, err)
		}
	}
}

func FuzzParseInspectors(f *testing.F) {
	var seed bytes.Buffer
	_ = synth.WriteInspectorsCSV(&seed, synthConfig(0))
	f.Add(seed.Bytes())
	f.Add([]byte("username,name,dept,region,cert_no,expert\na,b,scjg,621002,,是\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := directory.ParseInspectors(bytes.NewReader(data), knownDept, anyRegion)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, in := range got {
			if in.Username == "" || in.Name == "" || !knownDept(in.Dept) || !anyRegion(in.Region) || seen[in.Username] {
				t.Fatalf("accepted %+v", in)
			}
			seen[in.Username] = true
		}
	})
}

func FuzzParseConflicts(f *testing.F) {
	var seed bytes.Buffer
	_ = synth.WriteConflictsCSV(&seed, synthConfig(2000))
	f.Add(seed.Bytes())
	f.Add([]byte("inspector,uscc,reason\na,914403001922038216,亲属关系\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := directory.ParseConflicts(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, c := range got {
			if c.Inspector == "" || c.Reason == "" || schema.ValidUSCC(c.USCC) != nil {
				t.Fatalf("accepted %+v", c)
			}
		}
	})
}

// parseEntities is ParseEntities with the rows cleared, for tests that
// compare what was parsed with what was generated or written (the row a
// record came from is checked by TestParseRecordsTheirRows).
func parseEntities(r io.Reader, validRegion func(string) bool) ([]directory.Entity, error) {
	es, err := directory.ParseEntities(r, validRegion)
	for i := range es {
		es[i].Row = 0
	}
	return es, err
}

// parseInspectors is ParseInspectors with the rows cleared (see parseEntities).
func parseInspectors(r io.Reader, validDept, validRegion func(string) bool) ([]directory.Inspector, error) {
	ins, err := directory.ParseInspectors(r, validDept, validRegion)
	for i := range ins {
		ins[i].Row = 0
	}
	return ins, err
}

func TestParseRecordsTheirRows(t *testing.T) {
	// Blank rows count: the row is the file's, as a spreadsheet shows it.
	es, err := directory.ParseEntities(strings.NewReader(entityHeader+"\n"+code(t, "91621002MA71A0B2X")+",n,621002,,t,A,存续,,,\n"), countyRegion)
	if err != nil || len(es) != 1 || es[0].Row != 3 {
		t.Fatalf("entities %+v, %v: want one from row 3", es, err)
	}
	ins, err := directory.ParseInspectors(strings.NewReader("username,name,dept,region,cert_no\na,b,scjg,621002,\n\nc,d,scjg,621002,\n"), knownDept, anyRegion)
	if err != nil || len(ins) != 2 || ins[0].Row != 2 || ins[1].Row != 4 {
		t.Fatalf("inspectors %+v, %v: want rows 2 and 4", ins, err)
	}
}
