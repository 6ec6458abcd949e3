// A second baseline: the D1 query the support handlers run, with nothing around it (no
// signature, no SDK). Between `ok` and the handlers, it shows how much of their cost is the
// local D1 round trip itself.
export default {
  async fetch(request, env) {
    const { email } = await request.json();
    const row = await env.DB.prepare("SELECT id, email, name, created_at FROM users WHERE email = ?1")
      .bind(String(email).trim())
      .first();
    if (!row) return Response.json(null);
    return Response.json({ id: row.id, email: row.email, name: row.name, createdAt: new Date(row.created_at) });
  },
};
