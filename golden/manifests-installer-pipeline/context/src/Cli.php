<?php
namespace Acme;
final class Cli {}
