// Department names for the screens, with a built-in list so that a phone
// that has never fetched them still shows 市市场监管局 rather than a code.
import { computed } from 'vue'
import { departmentsByCode } from '../db/queries'
import type { Department } from '../db/types'
import { useLive } from './live'

/** BUILTIN holds the 30 departments of 附件2 (testdata/departments.tsv). */
const BUILTIN: [string, string, string][] = [
  ['xcb', '市委宣传部', '庆宣'], ['jybmj', '市委机要保密局', '庆机保'], ['wxb', '市委网信办', '庆网信'],
  ['fgw', '市发展改革委', '庆发改'], ['jyj', '市教育局', '庆教'], ['gxj', '市工信局', '庆工信'],
  ['gaj', '市公安局', '庆公'], ['mzj', '市民政局', '庆民'], ['sfj', '市司法局', '庆司'],
  ['czj', '市财政局', '庆财'], ['rsj', '市人社局', '庆人社'], ['zrzyj', '市自然资源局', '庆自然资'],
  ['sthjj', '市生态环境局', '庆环'], ['zjj', '市住建局', '庆住建'], ['jtysj', '市交通运输局', '庆交'],
  ['swj', '市水务局', '庆水务'], ['nyncj', '市农业农村局', '庆农'], ['shangwj', '市商务局', '庆商'],
  ['wtglj', '市文体广电旅游局', '庆文旅'], ['wjw', '市卫生健康委', '庆卫健'], ['yjj', '市应急局', '庆应急'],
  ['lcj', '市林草局', '庆林草'], ['scjg', '市市场监管局', '庆市监'], ['tjj', '市统计局', '庆统'],
  ['ybj', '市医保局', '庆医保'], ['xf', '庆阳市消防救援支队', '庆消'], ['dzj', '市地震局', '庆震'],
  ['sj', '市税务局', '庆税'], ['qxj', '市气象局', '庆气'], ['nfh', '农发行庆阳市分行', '庆农发'],
  ['lxb', '联席会议办公室', '联席办'],
]

export function useDepartments() {
  const stored = useLive(departmentsByCode, {} as Record<string, Department>)
  const map = computed<Record<string, Department>>(() => {
    const out: Record<string, Department> = {}
    for (const [code, name, short] of BUILTIN) out[code] = { code, name, short }
    return { ...out, ...stored.value }
  })
  const name = (code: string) => map.value[code]?.name ?? code
  const short = (code: string) => map.value[code]?.short ?? code
  return { map, name, short }
}
