package synth

import "strings"

// county is what the generator knows of a region: its name, a few towns
// (乡镇/街道) for addresses, the position of its seat for coordinates, and a
// weight for how many entities it gets beyond the round-robin share.
type county struct {
	name     string
	towns    []string
	lat, lng float64
	weight   float64
}

// counties are the eight counties of 庆阳 (DESIGN §6). A region code not
// listed here gets fallbackCounty.
var counties = map[string]county{
	"621002": {"西峰区", []string{"北街街道", "南街街道", "西街街道", "肖金镇", "董志镇", "后官寨镇", "彭原镇", "温泉镇", "什社乡", "显胜乡"}, 35.733, 107.639, 3},
	"621021": {"庆城县", []string{"庆城镇", "驿马镇", "马岭镇", "玄马镇", "白马铺镇", "桐川镇", "赤城镇", "高楼镇"}, 36.000, 107.882, 1.2},
	"621022": {"环县", []string{"环城镇", "曲子镇", "甜水镇", "木钵镇", "洪德镇", "合道镇", "虎洞镇", "毛井镇"}, 36.569, 107.308, 1.2},
	"621023": {"华池县", []string{"柔远镇", "悦乐镇", "南梁镇", "元城镇", "白马镇", "山庄乡"}, 36.461, 107.990, 0.8},
	"621024": {"合水县", []string{"西华池镇", "老城镇", "太白镇", "板桥镇", "何家畔镇", "吉岘镇"}, 35.819, 108.019, 0.8},
	"621025": {"正宁县", []string{"山河镇", "永和镇", "周家镇", "榆林子镇", "宫河镇", "永正镇"}, 35.492, 108.361, 0.9},
	"621026": {"宁县", []string{"新宁镇", "早胜镇", "长庆桥镇", "和盛镇", "米桥镇", "春荣镇", "太昌镇"}, 35.502, 107.921, 1.5},
	"621027": {"镇原县", []string{"城关镇", "屯字镇", "孟坝镇", "平泉镇", "三岔镇", "新集镇", "开边镇"}, 35.677, 107.201, 1.5},
}

var fallbackCounty = county{name: "庆阳市", towns: []string{"城区", "新区", "工业园区"}, lat: 36.2, lng: 107.55, weight: 1}

// The bounds of 庆阳 that every generated position falls within.
const (
	minLat, maxLat = 35.2, 37.2
	minLng, maxLng = 106.3, 108.8
)

var roads = []string{"北大街", "南大街", "东大街", "西大街", "长庆路", "安定路", "九龙路", "兰州路", "庆化路", "育才路",
	"解放路", "朔州路", "西峰路", "南环路", "北环路", "人民路", "建设路", "宁州路", "新民路", "迎宾大道"}

// tradeChars make up 字号, two at a time.
var tradeChars = []rune("陇庆岐周祖董志华泰金源鑫盛宏达瑞丰兴隆恒昌正和安顺富康宝利嘉禾润天佳永信德聚通汇博晨春长乐福祥")

var surnames = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔向汤")

var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞斌浩宇凯建国志文海波辉峰霞婷雪琳晶燕丹亮成龙东")

var specialities = []string{"食品安全", "特种设备", "计量", "价格", "广告", "产品质量", "消防安全", "安全生产", "生态环境",
	"卫生监督", "文化市场", "交通运输", "建筑工程", "药品医疗器械", "农资", "税务", "劳动保障", "教育", "统计"}

// deptSpecialities narrows specialities for the departments of
// testdata/departments.tsv whose field is clear; others draw from all.
var deptSpecialities = map[string][]string{
	"scjg":  {"食品安全", "特种设备", "计量", "价格", "广告", "产品质量", "药品医疗器械"},
	"wjw":   {"卫生监督", "药品医疗器械"},
	"yjj":   {"安全生产"},
	"xf":    {"消防安全"},
	"sthjj": {"生态环境"},
	"jtysj": {"交通运输"},
	"zjj":   {"建筑工程"},
	"nyncj": {"农资", "食品安全"},
	"wtglj": {"文化市场"},
	"sj":    {"税务"},
	"rsj":   {"劳动保障"},
	"jyj":   {"教育"},
	"tjj":   {"统计"},
	"fgw":   {"价格", "建筑工程"},
}

var conflictReasons = []string{"亲属关系", "曾任职", "利害关系"}

var closedStatuses = []string{"注销", "注销", "注销", "吊销", "吊销", "迁出"} // 注销 most common

// trade is the wording of names for a kind of business: the industry word of
// a company name and the shop word of a 个体工商户.
type trade struct {
	keys     []string // any of these in the tag selects this trade
	industry []string
	shop     []string
}

var trades = []trade{
	{[]string{"餐饮"}, []string{"餐饮管理", "餐饮服务"}, []string{"饭店", "餐厅", "面馆", "小吃店"}},
	{[]string{"宾馆", "旅店", "住宿"}, []string{"酒店管理", "宾馆"}, []string{"宾馆", "旅社", "招待所"}},
	{[]string{"药"}, []string{"医药", "大药房连锁"}, []string{"药店", "大药房"}},
	{[]string{"农资", "种子", "农药", "饲料", "种苗"}, []string{"农业科技", "农资"}, []string{"农资店", "农资经营部"}},
	{[]string{"燃气"}, []string{"燃气"}, []string{"液化气站"}},
	{[]string{"油品", "加油"}, []string{"石油化工", "能源"}, []string{"加油站"}},
	{[]string{"运输", "客运"}, []string{"运输", "物流"}, []string{"货运部"}},
	{[]string{"物业"}, []string{"物业管理"}, []string{"物业服务部"}},
	{[]string{"房地产"}, []string{"房地产开发"}, []string{"房产中介"}},
	{[]string{"建筑", "工程"}, []string{"建筑工程", "建设工程"}, []string{"装修部"}},
	{[]string{"培训", "学校"}, []string{"教育咨询", "职业培训"}, []string{"培训部"}},
	{[]string{"印刷", "复印"}, []string{"印务"}, []string{"复印部", "打印店"}},
	{[]string{"烟花爆竹"}, []string{"烟花爆竹"}, []string{"烟花爆竹零售点"}},
	{[]string{"旅行社"}, []string{"国际旅行社"}, []string{"旅游服务部"}},
	{[]string{"养老"}, []string{"养老服务"}, []string{"托养中心"}},
	{[]string{"二手车", "机动车"}, []string{"汽车服务"}, []string{"汽车修理部"}},
}

var generalTrade = trade{industry: []string{"商贸", "科技", "实业", "贸易"}, shop: []string{"商行", "经营部", "商店", "便利店"}}

// tradeOf picks the trade of a tag by keyword.
func tradeOf(tag string) *trade {
	for i := range trades {
		for _, k := range trades[i].keys {
			if strings.Contains(tag, k) {
				return &trades[i]
			}
		}
	}
	return &generalTrade
}
