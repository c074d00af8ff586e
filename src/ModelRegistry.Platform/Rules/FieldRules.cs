using System.Text;
using ModelRegistry.Contracts;

namespace ModelRegistry.Platform.Rules;

/// <summary>The checks every rule set shares: names, bounded text, digests, and quoting input back safely.</summary>
public static class FieldRules
{
    public const int MaxNameLength = 100;

    /// <summary>The name charset: 1..<paramref name="maxLength"/> of a-z 0-9 . _ -, starting with a letter or digit.</summary>
    /// <remarks>Checked by hand rather than with a regex: .NET's <c>$</c> also matches before a final '\n'.</remarks>
    public static bool IsName(string? value, int maxLength = MaxNameLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength || !IsLowerAlnum(value[0])) return false;
        foreach (var c in value)
        {
            if (!IsLowerAlnum(c) && c is not ('.' or '_' or '-')) return false;
        }
        return true;
    }

    /// <summary>A required name: empty or only whitespace is missing (docs/messages.md, JSON conventions), else the name charset.</summary>
    public static Rejection? Name(string? value, string field, int maxLength = MaxNameLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return Missing(field);
        return IsName(value, maxLength)
            ? null
            : new(RejectionReasons.InvalidName,
                $"{field}: {Shown(value)} must be 1-{maxLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }

    /// <summary>A required free-text field: not blank, at most <paramref name="maxLength"/> characters, storable.</summary>
    public static Rejection? RequiredText(string? value, string field, int maxLength) =>
        string.IsNullOrWhiteSpace(value) ? Missing(field) : OptionalText(value, field, maxLength);

    /// <summary>An optional free-text field: null or empty is fine; otherwise bounded and storable.</summary>
    public static Rejection? OptionalText(string? value, string field, int maxLength)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value.Length > maxLength)
            return new(RejectionReasons.LimitExceeded, $"{field}: {value.Length} characters, at most {maxLength}");
        return Storable(value, field);
    }

    /// <summary>
    /// PostgreSQL text refuses NUL and Npgsql's strict UTF-8 encoder refuses unpaired surrogates: either would fail
    /// the insert on every redelivery, so they are refused here as a value problem.
    /// </summary>
    public static Rejection? Storable(string value, string field)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
                return new(RejectionReasons.InvalidValue, $"{field}: contains a NUL character at index {i}");
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return new(RejectionReasons.InvalidValue, $"{field}: contains an unpaired UTF-16 surrogate at index {i}");
        }
        return null;
    }

    public static bool IsSha256Hex(string? value)
    {
        if (value is null || value.Length != 64) return false;
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        return true;
    }

    public static bool IsHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }

    public static Rejection Missing(string field) => new(RejectionReasons.MissingField, $"{field}: required");

    /// <summary>
    /// What a timestamp without a UTC offset ("2026-11-26T12:00:00", or a date alone) is read as
    /// (<c>OffsetRequiredTimestampConverter</c>): read in the host's time zone it would be a different instant on
    /// every host, so it is refused (<see cref="Timestamp"/>). No message carries this instant in earnest.
    /// </summary>
    public static readonly DateTimeOffset TimestampWithoutOffset = DateTimeOffset.MaxValue;

    /// <summary>A required timestamp: present, with a UTC offset.</summary>
    public static Rejection? Timestamp(DateTimeOffset value, string field)
    {
        if (value == default) return Missing(field);
        return value == TimestampWithoutOffset
            ? new(RejectionReasons.InvalidValue,
                $"{field}: the timestamp has no UTC offset; send it as 2026-11-26T12:00:00Z or with +hh:mm (without one it would be read in the registry host's time zone)")
            : null;
    }

    /// <summary>
    /// Quotes input for a message: at most 100 characters, control characters and surrogates escaped. Rejections are
    /// stored and logged, so hostile input must not travel through them verbatim.
    /// </summary>
    public static string Shown(string? value)
    {
        if (value is null) return "null";
        const int Max = 100;
        var sb = new StringBuilder(Math.Min(value.Length, Max) + 8).Append('\'');
        foreach (var c in value.Length > Max ? value.AsSpan(0, Max) : value.AsSpan())
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\'' or '\\')
                sb.Append(c is '\'' or '\\' ? $"\\{c}" : $"\\u{(int)c:X4}");
            else
                sb.Append(c);
        }
        sb.Append('\'');
        if (value.Length > Max) sb.Append($"... ({value.Length} characters)");
        return sb.ToString();
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
