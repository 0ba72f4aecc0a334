<?php

function topWords(string $text, int $k): array
{
    preg_match_all('/[a-z]+/', strtolower($text), $matches);
    $counts = array_count_values($matches[0]);
    uksort($counts, fn ($a, $b) => [$counts[$b], $a] <=> [$counts[$a], $b]);
    return array_slice(array_keys($counts), 0, $k);
}
