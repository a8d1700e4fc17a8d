<?php
namespace Shop;
final class App {}
