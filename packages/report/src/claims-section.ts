/** The report's "Claims and comparisons" section: each claim of the experiment with its verdict and numbers. */
import { describeClaim, evaluateClaims, runsForClaims } from '@siamese-lab/stats';
import { escapeHtml } from './escape.ts';
import type { ReportInput } from './types.ts';

export function claimsSectionHtml(input: ReportInput): string {
  const claims = input.claims ?? [];
  const intro =
    '<p class="how">What the experiment file claims, decided on the finished runs at 95% confidence: <b>holds</b> when the interval of the difference lies on the claimed side of zero and a permutation test agrees (Fisher\'s exact test for the share of NaN runs), <b>fails</b> when the data decide the other way, <b>undecided</b> otherwise (too few seeds, or an interval that crosses zero). <code>lab check</code> prints the same, and exits 1 when a claim fails.</p>';
  if (claims.length === 0) {
    return `<section id="section-claims">\n<h2>Claims and comparisons</h2>\n${intro}\n<p class="empty">This experiment states no claims: list them under <code>claims:</code> in its file (see experiments/seed-claims.yaml). The group means below still compare the swept settings.</p>\n</section>`;
  }
  // With a tuning rule, each group's setting chosen on validation scores (see the tuned ranking).
  const decided = runsForClaims(input.runs, input.sweepKeys, input.tuning);
  const summary = evaluateClaims(claims, decided.runs, { sweepKeys: decided.sweepKeys });
  const items = summary.results.map((result) => {
    const settings = result.settings
      .map((setting) => {
        const fixed = Object.entries(setting.fixed);
        const where = fixed.length ? `at ${fixed.map(([key, value]) => `${key} = ${String(value)}`).join(', ')}: ` : '';
        return `<li>${escapeHtml(`${where}${setting.verdict}: ${setting.reason}`)}${setting.evidence ? `<br><span class="evidence">${escapeHtml(setting.evidence)}</span>` : ''}</li>`;
      })
      .join('');
    // A finding shipped with its measured verdict: say so, so a reader does not take the red badge for a regression.
    const shipped = result.claim.verdict === 'fails' ? ' <span class="evidence">(shipped as measured: fails)</span>' : '';
    return `<li class="claim"><span class="verdict verdict-${result.verdict}">${result.verdict}</span> <b>${escapeHtml(describeClaim(result.claim))}</b>${shipped}<ul>${settings}</ul></li>`;
  });
  const { holds, fails, undecided } = summary.counts;
  return [
    '<section id="section-claims">',
    '<h2>Claims and comparisons</h2>',
    intro,
    `<p class="meta">${holds} hold, ${fails} fail, ${undecided} undecided.</p>`,
    `<ul class="claims">${items.join('\n')}</ul>`,
    '</section>',
  ].join('\n');
}

export const claimsStyles = `
ul.claims { list-style: none; padding-left: 0; }
li.claim { margin: 0 0 10px; }
li.claim ul { margin: 4px 0 0; padding-left: 22px; font-size: 13px; }
.evidence { color: #444; font-variant-numeric: tabular-nums; }
.verdict { display: inline-block; min-width: 78px; text-align: center; padding: 1px 6px; border-radius: 8px; font-weight: 600; }
.verdict-holds { background: #e3f4e3; color: #1e6b1e; }
.verdict-fails { background: #fbe3e3; color: #9b1c1c; }
.verdict-undecided { background: #fff2d6; color: #7a5200; }
`;
