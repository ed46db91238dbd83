// ECharts with only what the dashboard draws: bar and line charts with a
// grid, tooltip and legend, on canvas. Imported by the office chunk alone,
// so inspectors' phones never download it.
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption, MarkLineComponentOption } from 'echarts/components'

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, CanvasRenderer])

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption | MarkLineComponentOption
>

/** draw renders option into el, reusing the chart already there. */
export function draw(el: HTMLElement, option: ChartOption): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el)
  chart.setOption(option, true)
  return chart
}

/** dispose releases the chart of el, if any. */
export function dispose(el: HTMLElement | null | undefined): void {
  if (el) echarts.getInstanceByDom(el)?.dispose()
}

/** rateChart is a bar or line chart of rates in percent against a goal line. */
export function rateChart(kind: 'bar' | 'line', labels: string[], rates: (number | null)[], goal: number, name: string): ChartOption {
  return {
    grid: { left: 48, right: 72, top: 32, bottom: 64, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { data: [name], top: 0 },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 4 ? 30 : 0 } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      {
        name,
        type: kind,
        data: rates.map((r) => (r === null ? null : Math.round(r * 1000) / 10)),
        itemStyle: { color: '#1763c6' },
        barMaxWidth: 48,
        markLine: {
          symbol: 'none',
          label: { formatter: `目标 ${goal * 100}%` },
          lineStyle: { color: '#ee0a24', type: 'dashed' },
          data: [{ yAxis: goal * 100 }],
        },
      },
    ],
  }
}
