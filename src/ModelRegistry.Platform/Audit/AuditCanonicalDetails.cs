using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ModelRegistry.Platform.Audit;

// The canonical form of a record's details (see AuditChain.CanonicalDetails): walks the JSON once, writing each value in
// canonical form as it is read, then sorts each object's members and copies them once into place. Reuses its buffers.
internal sealed class AuditCanonicalDetails
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private byte[] details = new byte[1024];
    private int detailsLength;
    private byte[] assembly = new byte[1024];
    private int assemblyLength;
    private byte[] keys = new byte[256];
    private int keysLength;
    private Member[] members = new Member[32];
    private int memberCount;
    private byte[] text = new byte[256];

    // The caller has checked that `json` is valid UTF-8. The result is valid until the next call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> json)
    {
        detailsLength = 0;
        keysLength = 0;
        memberCount = 0;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read()) throw new FormatException("details are empty");
            WriteValue(ref reader);
            if (reader.Read()) throw new FormatException("details hold more than one JSON value");
        }
        catch (JsonException e)
        {
            throw new FormatException("details are not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.CopyString: an escaped lone surrogate cannot be transcoded.
            throw new FormatException("details hold an invalid string: " + e.Message, e);
        }
        return details.AsSpan(0, detailsLength);
    }

    // Appends the canonical form of the value at the reader's current token to `details`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader);
                break;
            case JsonTokenType.StartArray:
                AuditCanonicalBuffer.Put(ref details, ref detailsLength, (byte)'[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first) AuditCanonicalBuffer.Put(ref details, ref detailsLength, (byte)',');
                    first = false;
                    WriteValue(ref reader);
                }
                AuditCanonicalBuffer.Put(ref details, ref detailsLength, (byte)']');
                break;
            case JsonTokenType.String:
                WriteString(ref reader);
                break;
            case JsonTokenType.Number:
                AuditCanonicalNumber.Write(ref details, ref detailsLength, reader.ValueSpan);
                break;
            case JsonTokenType.True:
                AuditCanonicalBuffer.Put(ref details, ref detailsLength, "true"u8);
                break;
            case JsonTokenType.False:
                AuditCanonicalBuffer.Put(ref details, ref detailsLength, "false"u8);
                break;
            case JsonTokenType.Null:
                AuditCanonicalBuffer.Put(ref details, ref detailsLength, "null"u8);
                break;
            default:
                throw new FormatException($"unexpected JSON token {reader.TokenType}");
        }
    }

    // Writes each member's value where it lands, then sorts the members and rewrites the object in order in place.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteObject(ref Utf8JsonReader reader)
    {
        var objectStart = detailsLength;
        var membersMark = memberCount;
        var keysMark = keysLength;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject) ReadMember(ref reader, membersMark);

        var sorted = members.AsSpan(membersMark, memberCount - membersMark);
        SortMembers(sorted, new MemberOrder(keys));
        AssembleObject(sorted);

        detailsLength = objectStart;
        AuditCanonicalBuffer.Put(ref details, ref detailsLength, assembly.AsSpan(0, assemblyLength));
        memberCount = membersMark;
        keysLength = keysMark;
    }

    // The reader is at a member's name: keeps the (unescaped) name in `keys` and writes the value to `details`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadMember(ref Utf8JsonReader reader, int membersMark)
    {
        var keyStart = keysLength;
        var raw = reader.ValueSpan;
        var keyEscaped = reader.ValueIsEscaped;
        AuditCanonicalBuffer.Grow(ref keys, keysLength + raw.Length);
        if (keyEscaped)
        {
            var unescaped = keys.AsSpan(keysLength, reader.CopyString(keys.AsSpan(keysLength)));
            if (unescaped.Contains((byte)0)) throw new FormatException("a member name holds U+0000, which jsonb cannot store");
            keysLength += unescaped.Length;
        }
        else
        {
            raw.CopyTo(keys.AsSpan(keysLength));
            keysLength += raw.Length;
        }
        reader.Read();
        var valueStart = detailsLength;
        WriteValue(ref reader);
        if (memberCount == members.Length) Array.Resize(ref members, members.Length * 2);
        members[memberCount] = new Member(keyStart, keysLength - keyStart, keyEscaped, valueStart, detailsLength - valueStart, memberCount - membersMark);
        memberCount++;
    }

    private static void SortMembers(Span<Member> sorted, MemberOrder order)
    {
        if (sorted.Length <= 16)
        {
            for (var i = 1; i < sorted.Length; i++)
            {
                var m = sorted[i];
                var j = i - 1;
                for (; j >= 0 && order.Compare(sorted[j], m) > 0; j--) sorted[j + 1] = sorted[j];
                sorted[j + 1] = m;
            }
        }
        else
        {
            sorted.Sort(order);
        }
    }

    // Writes the object, members in sorted order, to `assembly`.
    private void AssembleObject(ReadOnlySpan<Member> sorted)
    {
        assemblyLength = 0;
        AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)'{');
        var first = true;
        for (var i = 0; i < sorted.Length; i++)
        {
            var m = sorted[i];
            // Duplicate names: keep the last occurrence, which sorts last among equals.
            if (i + 1 < sorted.Length && KeyOf(m).SequenceEqual(KeyOf(sorted[i + 1]))) continue;
            if (!first) AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)',');
            first = false;
            if (m.KeyEscaped)
            {
                AuditCanonicalString.WriteEscaped(ref assembly, ref assemblyLength, KeyOf(m));
            }
            else
            {
                // As for string values: an unescaped name holds no '"', '\' or control character, so it is already canonical.
                AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)'"');
                AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, KeyOf(m));
                AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)'"');
            }
            AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)':');
            AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, details.AsSpan(m.ValueStart, m.ValueLength));
        }
        AuditCanonicalBuffer.Put(ref assembly, ref assemblyLength, (byte)'}');
    }

    private ReadOnlySpan<byte> KeyOf(Member m) => keys.AsSpan(m.KeyStart, m.KeyLength);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteString(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            // Unescaped JSON string content holds no '"', '\' or control character: it is already canonical.
            AuditCanonicalBuffer.Grow(ref details, detailsLength + raw.Length + 2);
            details[detailsLength++] = (byte)'"';
            raw.CopyTo(details.AsSpan(detailsLength));
            detailsLength += raw.Length;
            details[detailsLength++] = (byte)'"';
            return;
        }
        AuditCanonicalBuffer.Grow(ref text, raw.Length);
        AuditCanonicalString.WriteEscaped(ref details, ref detailsLength, text.AsSpan(0, reader.CopyString(text)));
    }

    private readonly record struct Member(int KeyStart, int KeyLength, bool KeyEscaped, int ValueStart, int ValueLength, int Order);

    // By name (UTF-8 bytes, i.e. code point order), then by position, so duplicates keep their written order.
    private readonly struct MemberOrder(byte[] keys) : IComparer<Member>
    {
        public int Compare(Member x, Member y)
        {
            var byName = keys.AsSpan(x.KeyStart, x.KeyLength).SequenceCompareTo(keys.AsSpan(y.KeyStart, y.KeyLength));
            return byName != 0 ? byName : x.Order.CompareTo(y.Order);
        }
    }
}
