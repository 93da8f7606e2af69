// The platform part of the addon's file name (sextant.<triple>.node), as napi-rs names them.
'use strict';
function triple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  return `${platform}-${arch}`;
}
module.exports = { triple };
