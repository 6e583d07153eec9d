// The Files section of /jobs: the signed-in user's stored files (job outputs, uploads…),
// newest first, with a kind filter, a download link (the gateway's signed URL) and delete
// (confirmed in a dialog); "Load more" follows nextCursor.
import { api } from './api.js';
import { busy, byId, dateTime, fillTable, h, pageError } from './ui.js';

const kindLabels = {
  output: 'Job output',
  video: 'Video',
  image: 'Image',
  audio: 'Audio',
  dataset: 'Dataset',
  upload: 'Upload',
};

let nextCursor = null;
let rows = [];

/** `512 B`, `1.5 KB`, `12.3 MB` (powers of 1024). */
export function fileSize(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Number(bytes ?? 0);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function confirmDelete(file) {
  const dialog = byId('file-delete-dialog');
  byId('file-delete-text').textContent =
    `“${file.filename}” is deleted for good: its download links stop working at once.`;
  return new Promise((resolve) => {
    const ok = byId('file-delete-ok');
    const cancel = byId('file-delete-cancel');
    const finish = (value) => {
      ok.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => finish(true);
    const onCancel = () => finish(false);
    ok.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onCancel);
    dialog.showModal();
    cancel.focus();
  });
}

function row(file) {
  const remove = h(
    'button',
    {
      class: 'button button-secondary button-small',
      type: 'button',
      'aria-label': `Delete ${file.filename}`,
    },
    'Delete',
  );
  remove.addEventListener('click', async () => {
    if (!(await confirmDelete(file))) return;
    await busy(remove, async () => {
      await api(`/api/files/${encodeURIComponent(file.id)}`, { method: 'DELETE' });
      await loadFiles(true);
    }).catch(pageError);
  });
  return h(
    'tr',
    { 'data-file': file.id },
    h('td', { 'data-label': 'Name' }, file.filename),
    h('td', { 'data-label': 'Kind' }, kindLabels[file.kind] ?? file.kind),
    h('td', { 'data-label': 'Size', class: 'num' }, fileSize(file.bytes)),
    h('td', { 'data-label': 'Created' }, dateTime(file.createdAt)),
    h(
      'td',
      { 'data-label': 'Download' },
      h('a', { href: file.url, download: file.filename, rel: 'noopener' }, 'Download'),
    ),
    h('td', {}, remove),
  );
}

export async function loadFiles(reset) {
  const kind = byId('files-kind').value;
  const query = new URLSearchParams({ limit: '50' });
  if (kind) query.set('kind', kind);
  if (!reset && nextCursor) query.set('cursor', nextCursor);
  const page = await api(`/api/files?${query}`);
  rows = reset ? page.data : [...rows, ...page.data];
  nextCursor = page.nextCursor;
  fillTable(byId('files-body'), rows.map(row), byId('files-empty'));
  byId('files-more').hidden = !nextCursor;
}

/** Wires the filter and pager, then loads the first page. */
export async function startFiles() {
  byId('files-kind').addEventListener('change', () => loadFiles(true).catch(pageError));
  byId('files-more').addEventListener('click', () => loadFiles(false).catch(pageError));
  await loadFiles(true);
}
