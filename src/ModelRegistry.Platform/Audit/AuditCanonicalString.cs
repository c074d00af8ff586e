using System.Buffers;
using System.Runtime.CompilerServices;

namespace ModelRegistry.Platform.Audit;

// Strings in the canonical details: Python's json.dumps(..., ensure_ascii=False), which is what auditors re-derive the hash with.
internal static class AuditCanonicalString
{
    // What a canonical string escapes: '"', '\\' and the controls below U+0020.
    private static readonly SearchValues<byte> NeedsEscape =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    // Writes `value` (unescaped UTF-8) quoted and escaped to buffer[length..].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteEscaped(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        AuditCanonicalBuffer.Grow(ref buffer, length + value.Length * 6 + 2);
        var output = buffer.AsSpan();
        output[length++] = (byte)'"';
        while (true)
        {
            var next = value.IndexOfAny(NeedsEscape);
            if (next < 0)
            {
                value.CopyTo(output[length..]);
                length += value.Length;
                break;
            }
            value[..next].CopyTo(output[length..]);
            length += next;
            var b = value[next];
            output[length++] = (byte)'\\';
            switch (b)
            {
                case (byte)'"': output[length++] = (byte)'"'; break;
                case (byte)'\\': output[length++] = (byte)'\\'; break;
                case (byte)'\b': output[length++] = (byte)'b'; break;
                case (byte)'\t': output[length++] = (byte)'t'; break;
                case (byte)'\n': output[length++] = (byte)'n'; break;
                case (byte)'\f': output[length++] = (byte)'f'; break;
                case (byte)'\r': output[length++] = (byte)'r'; break;
                case 0: throw new FormatException("a string holds U+0000, which jsonb cannot store");
                default:
                    output[length++] = (byte)'u';
                    output[length++] = (byte)'0';
                    output[length++] = (byte)'0';
                    output[length++] = (byte)"0123456789abcdef"[b >> 4];
                    output[length++] = (byte)"0123456789abcdef"[b & 0xF];
                    break;
            }
            value = value[(next + 1)..];
        }
        output[length++] = (byte)'"';
    }
}
