<?php
$db = new PDO(getenv("DSN"));
