using System.Text;

namespace ModelRegistry.Platform.Audit;

// Numbers in the canonical details, written as PostgreSQL's numeric prints them, so a round trip through jsonb changes nothing.
internal static class AuditCanonicalNumber
{
    private const int MaxExponent = 1000;

    // Appends the canonical form of a JSON number token to buffer[length..].
    // The JSON grammar was checked by the reader: -?int(.frac)?([eE][+-]?exp)?
    public static void Write(ref byte[] buffer, ref int length, ReadOnlySpan<byte> number)
    {
        var i = 0;
        var negative = number[0] == '-';
        if (negative) i++;
        var intStart = i;
        while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
        var intDigits = number[intStart..i];
        var fracDigits = ReadOnlySpan<byte>.Empty;
        if (i < number.Length && number[i] == '.')
        {
            var fracStart = ++i;
            while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
            fracDigits = number[fracStart..i];
        }
        if (i == number.Length && !(negative && IsZero(intDigits, fracDigits)))
        {
            // No exponent and not a negative zero: already as numeric prints it (JSON allows no leading zeros). The common case.
            AuditCanonicalBuffer.Put(ref buffer, ref length, number);
            return;
        }
        var exponent = 0;
        if (i < number.Length)
        {
            i++; // e or E
            var expNegative = false;
            if (number[i] is (byte)'+' or (byte)'-') expNegative = number[i++] == '-';
            for (; i < number.Length; i++)
            {
                exponent = exponent * 10 + (number[i] - '0');
                if (exponent > MaxExponent) throw new FormatException($"number {Encoding.UTF8.GetString(number)} has an exponent beyond ±{MaxExponent}");
            }
            if (expNegative) exponent = -exponent;
        }

        // The digits d1..dn = int ++ frac, with the decimal point after position `point` (may be <= 0 or > n).
        var n = intDigits.Length + fracDigits.Length;
        var point = intDigits.Length + exponent;
        var scale = Math.Max(0, fracDigits.Length - exponent);
        AuditCanonicalBuffer.Grow(ref buffer, length + 4 + Math.Max(n, point) + scale);
        var output = buffer.AsSpan();
        // numeric has no negative zero.
        if (negative && !IsZero(intDigits, fracDigits)) output[length++] = (byte)'-';
        var wroteInteger = false;
        for (var k = 0; k < point; k++)
        {
            var d = Digit(intDigits, fracDigits, k);
            if (d == '0' && !wroteInteger) continue;
            output[length++] = d;
            wroteInteger = true;
        }
        if (!wroteInteger) output[length++] = (byte)'0';
        if (scale > 0)
        {
            output[length++] = (byte)'.';
            for (var k = point; k < point + scale; k++) output[length++] = Digit(intDigits, fracDigits, k);
        }
    }

    private static bool IsZero(ReadOnlySpan<byte> intDigits, ReadOnlySpan<byte> fracDigits) =>
        !intDigits.ContainsAnyExcept((byte)'0') && !fracDigits.ContainsAnyExcept((byte)'0');

    private static byte Digit(ReadOnlySpan<byte> intDigits, ReadOnlySpan<byte> fracDigits, int k) =>
        k < 0 || k >= intDigits.Length + fracDigits.Length ? (byte)'0'
        : k < intDigits.Length ? intDigits[k] : fracDigits[k - intDigits.Length];
}
