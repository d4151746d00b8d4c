export { runAndReport, type RunAndReportOptions, type RunAndReportResult } from './run-and-report.ts';
