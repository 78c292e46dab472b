// PostGraphile 5.1 uses Promise.withResolvers (Node 22+); this machine's Node is 20.
Promise.withResolvers ??= function withResolvers() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
