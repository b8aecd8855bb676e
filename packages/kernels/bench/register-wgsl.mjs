// `--import` entry for scripts run with tsx: `.wgsl` files load through the shared hooks of
// tools/config/wgsl.mjs (the definition tsup and jest use too); tsx alone rejects the extension.
import { register } from 'node:module';

register('../../../tools/config/wgsl.mjs', import.meta.url);
