// The baseline: the cheapest possible route on the runtime. Everything another target
// costs beyond this is its own work (routing, signature check, D1, JSON).
export default {
  fetch() {
    return new Response("ok");
  },
};
