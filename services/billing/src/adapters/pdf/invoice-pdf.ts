import PDFDocument from 'pdfkit';
import { periodOf, type Invoice } from '../../domain/invoice.js';

/** Minor units as the currency writes them: 1234 USD → `12.34 USD`, 1234 JPY → `1234 JPY`. */
export function formatMoney(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
  } catch {
    // Not a currency Intl knows: two decimals.
  }
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const major = Math.floor(abs / 10 ** digits);
  const fraction = digits === 0 ? '' : `.${String(abs % 10 ** digits).padStart(digits, '0')}`;
  return `${sign}${major}${fraction} ${currency}`;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The invoice as a PDF document (A4, the standard Helvetica fonts: nothing to load): issuer, number and date, the
 * account billed, the period, one line per activation and the totals. Deterministic for the same invoice (no
 * creation date), so a document downloaded twice is the same file.
 */
export function renderInvoicePdf(invoice: Invoice): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: {
      Title: `Invoice ${invoice.number ?? 'draft'} ${periodOf(invoice.year, invoice.month)}`,
      Author: invoice.issuer.name,
      CreationDate: new Date(invoice.issuedAt ?? Date.UTC(invoice.year, invoice.month - 1, 1)),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const { issuer } = invoice;
  const left = 50;
  const width = doc.page.width - 100;
  doc.font('Helvetica-Bold').fontSize(16).text(issuer.name, left, 50);
  doc.font('Helvetica').fontSize(9);
  for (const line of [
    ...issuer.address.split('\n'),
    issuer.email,
    issuer.taxId === '' ? '' : `Tax id: ${issuer.taxId}`,
  ])
    if (line !== '') doc.text(line);
  doc.moveDown(1.5);
  doc
    .font('Helvetica-Bold')
    .fontSize(14)
    .text(invoice.number === null ? 'Invoice (draft)' : `Invoice ${invoice.number}`);
  doc.font('Helvetica').fontSize(10);
  const from = Date.UTC(invoice.year, invoice.month - 1, 1);
  const to = Date.UTC(invoice.year, invoice.month, 0);
  doc.text(`Invoice date: ${invoice.issuedAt === null ? 'not issued yet' : isoDate(invoice.issuedAt)}`);
  doc.text(`Period: ${periodOf(invoice.year, invoice.month)} (${isoDate(from)} to ${isoDate(to)}, UTC)`);
  doc.text(`Billed to: account ${invoice.accountId}`);
  doc.moveDown(1);

  const columns = [
    { title: 'Description', x: left, w: 250 },
    { title: 'Activated', x: left + 255, w: 70 },
    { title: 'Qty', x: left + 330, w: 30 },
    { title: 'Unit price', x: left + 365, w: 65 },
    { title: 'Amount', x: left + 430, w: width - 430 },
  ];
  const row = (cells: string[], bold = false) => {
    if (doc.y > doc.page.height - 80) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    cells.forEach((cell, i) => {
      const c = columns[i]!;
      doc.text(cell, c.x, y, { width: c.w, align: i >= 2 ? 'right' : 'left', lineBreak: false });
    });
    doc.moveDown(0.4);
    doc.x = left;
  };
  row(
    columns.map((c) => c.title),
    true,
  );
  for (const line of invoice.lines)
    row([
      line.description,
      isoDate(line.chargedAt),
      String(line.quantity),
      formatMoney(line.unitMinor, line.currency),
      formatMoney(line.amountMinor, line.currency),
    ]);
  if (invoice.lines.length === 0) row(['No activations in this period', '', '', '', '']);
  doc.moveDown(0.5);
  for (const total of invoice.totals)
    row(['', '', '', 'Total', formatMoney(total.totalMinor, total.currency)], true);
  doc.moveDown(2);
  doc
    .font('Helvetica')
    .fontSize(8)
    .text(
      'One-time activation fee per device, charged at its first accepted join to the account that owned it then.',
      left,
      doc.y,
      { width },
    );
  doc.end();
  return done;
}
