<?php

function minDistance(string $word1, string $word2): int
{
    $row = range(0, strlen($word2));
    for ($i = 1; $i <= strlen($word1); $i++) {
        $diagonal = $row[0];
        $row[0] = $i;
        for ($j = 1; $j <= strlen($word2); $j++) {
            $above = $row[$j];
            $replace = $diagonal + ($word1[$i - 1] === $word2[$j - 1] ? 0 : 1);
            $row[$j] = min($above + 1, $row[$j - 1] + 1, $replace);
            $diagonal = $above;
        }
    }
    return $row[strlen($word2)];
}
