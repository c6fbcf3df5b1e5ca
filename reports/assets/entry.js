// The ECharts build that postlive inlines into every HTML report: only the chart
// types and components the reports use, rendered on canvas. build.sh bundles this
// file into echarts.min.js, which reports/assets.go embeds.
import * as echarts from 'echarts/core';
import { BarChart, CandlestickChart, FunnelChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  CandlestickChart,
  FunnelChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

globalThis.echarts = echarts;
