import { describe, expect, it } from 'vitest'
import { parseJsonExact, rewriteJsonExact } from '../../server/json-exact'

describe('parseJsonExact', () => {
  it('reads integers beyond 2^53 as their digits and everything else as JSON.parse does', () => {
    expect(parseJsonExact('{"id":9007199254740993,"n":9007199254740991,"neg":-9007199254740993,"v":1e400,"x":0.1,"s":"12345678901234567890"}')).toEqual({
      id: '9007199254740993', n: 9007199254740991, neg: '-9007199254740993', v: Infinity, x: 0.1, s: '12345678901234567890',
    })
    expect(parseJsonExact('[1,2]')).toEqual([1, 2])
  })

  it('keeps JSON.parse semantics: the last of a repeated key wins, syntax errors are SyntaxErrors', () => {
    expect(parseJsonExact('{"id":9007199254740993,"id":1}')).toEqual({ id: 1 })
    expect(() => parseJsonExact('{"id":9007199254740993')).toThrow(SyntaxError)
  })

  it('rewriteJsonExact writes numbers back as they were written', () => {
    expect(rewriteJsonExact('{"a":9007199254740993,"b":[1.50,2]}', (v) => ({ ...(v as object), c: 'x' }))).toBe('{"a":9007199254740993,"b":[1.50,2],"c":"x"}')
    expect(rewriteJsonExact('{"a":1}', (v) => ({ ...(v as object), c: 'x' }))).toBe('{"a":1,"c":"x"}')
  })
})
