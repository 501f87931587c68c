// The README's own nginx recipe, run by a real nginx in front of a real tagwarden server: the recipe
// contract (test/helpers/proxy-recipe.ts) — admin routes closed to visitors, the client address the
// one nginx saw (in the forwarded beacon, the CAPI payload and the rate-limit key), admin off in
// production without a token.
import { expect } from 'vitest'
import { nginxAvailability, startNginx } from '../helpers/nginx'
import { recipeContract } from '../helpers/proxy-recipe'
import { readmeRecipe } from '../helpers/reverse-proxy'

const { block, env } = readmeRecipe('**nginx** on the same machine', 'nginx')

recipeContract({
  name: 'nginx',
  skip: nginxAvailability() === 'skip',
  env,
  start(upstream) {
    // Only the README's upstream port is replaced.
    expect(block).toContain('proxy_pass http://127.0.0.1:8787;')
    return startNginx(block.replace('127.0.0.1:8787', upstream))
  },
})
